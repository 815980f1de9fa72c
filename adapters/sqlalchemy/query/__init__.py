"""The query language compiled to SQL: filters, operands, sort keys and keyset positions, per dialect."""
