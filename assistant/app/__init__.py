"""The app: the ``assistant`` command line, the Gradio web app and its 管理 actions.

``cli`` (entry point ``assistant``) and ``ui`` (``python app.py``) use only the
public functions of the stages below; ``admin`` is the web app's handle on the
corpus and the loaded index (upload, rebuild, the document list); ``launch``
starts the web app in a child process on a free port (tests, benchmarks).
Nothing below imports this package.
"""
