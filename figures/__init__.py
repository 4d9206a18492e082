"""The assessment figures (法治政府建设考评): definitions, counting in the database, the workbook."""
