class AdminAccessLogMiddleware:
    """Records staff access to a user's data in the admin (filled in by the privacy work)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
