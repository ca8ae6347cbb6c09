"""Recording format (XDF), readers for the field's formats and exports."""
