"""Reading workbooks as employers really fill them, and writing safe ones.

``reading`` opens a file into sheets of raw cells (calamine; CSV in UTF-8 or GBK) after ``bounds``
has checked that it cannot make the reader allocate without limit; ``tables`` finds each sheet's
header and keeps its data rows; ``text`` and ``dates`` normalise cells as people type them;
``writing`` stores formula-like texts as text (openpyxl).
"""
