"""The worker imports face clustering's libraries before its pool forks."""

import subprocess
import sys

from celery.signals import worker_init

import photos.tasks  # noqa: F401  (connects the receiver, as the worker's autodiscovery does)


def test_the_worker_imports_clustering_before_forking():
    assert any("import_clustering" in repr(r) for _, r in worker_init.receivers)
    # In a fresh interpreter, so that nothing else has imported scikit-learn yet.
    code = (
        "import django, sys; django.setup();"
        "from celery.signals import worker_init; import photos.tasks;"
        "assert 'sklearn.cluster' not in sys.modules;"
        "worker_init.send(sender=None);"
        "print('sklearn.cluster' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
