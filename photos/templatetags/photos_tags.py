from django import template

from photos import ml
from photos.lib.focus import object_position

register = template.Library()


@register.inclusion_tag("photos/_models_banner.html", takes_context=True)
def models_banner(context):
    """While a model is missing: staff are told which setting and command fix it; everyone
    else only that their analysis waits (it is not their error, and server paths are not
    theirs to see)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"missing": []}
    return {"missing": ml.missing_models(), "staff": user.is_staff}


@register.filter
def focus(photo, aspect=1.0):
    """The CSS object-position that keeps every face of `photo` in a cropped tile
    (photos/lib/focus.py). Reads photo.faces.all(): prefetch the faces with the photos."""
    boxes = [face.box for face in photo.faces.all()]
    return object_position(photo.width, photo.height, boxes, float(aspect))
