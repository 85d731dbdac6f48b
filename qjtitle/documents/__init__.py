"""Word documents from the templates: sandbox, folders, rendering, file names and templates check.

``sandbox`` (Jinja's immutable sandbox and the scan before compiling), ``folders`` (where a
template comes from, and which user templates ``templates check`` accepted), ``render`` (docxtpl,
one template read once and rendered into many documents, atomically), ``catalogue`` (``qjtitle
templates list|copy|check``), ``names`` (file names made from data) and ``dates`` (Chinese dates).
"""
