"""The ТЗ workbook: a spec as an Excel file an analyst can edit, and back (openpyxl)."""
