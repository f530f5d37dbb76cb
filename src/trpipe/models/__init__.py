"""Models: which one serves a task, finding and downloading it, checking its files, keeping it loaded.

* ``registry`` (``models.yaml`` → ``ModelSpec``, routes) and ``schema`` (what ``models.yaml`` may hold);
* ``hub``, ``hubcache`` and ``download``: the Hugging Face hub and its cache, loading from a snapshot or folder;
* ``files``: diagnosing damaged model files; ``pool``: the models a Session keeps loaded;
* ``command``: ``trpipe models list/pull/info/demo``; ``demo``: tiny random-weight demo models.

Importing this package imports none of them (and nothing heavy).
"""
