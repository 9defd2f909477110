"""Work that takes a while, written once for the command line and the window.

A computation is a plain function ``run(..., state)`` (Orange3's ``TaskState`` pattern): it
reports progress, status and partial results through ``state`` and asks ``state.cancelled``
whether to stop. :mod:`.state` is that object; :mod:`.child` runs such functions in a child
process (models, downloads, training). The window's thread pool is in ``voice_desk.ui.tasks``.
Nothing here imports Qt or torch.
"""
