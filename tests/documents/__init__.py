"""Builders of test documents: each writes a document with the format's own library (python-docx, odfpy,
python-pptx, reportlab, pypdf) or as raw bytes (the broken and hostile ones), and returns the strings it
wrote, so that tests check a reader's coverage against what the generator put in, never against the
reader's own extraction."""
