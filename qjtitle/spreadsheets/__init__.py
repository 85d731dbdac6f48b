"""Reading workbooks as employers really fill them, and writing safe ones."""
