"""Print the permission matrix as the README's "Security" section shows it.

    .venv/bin/python scripts/permission_table.py

Paste the output between the markers in README.md; tests/test_permission_matrix.py fails while
the README and backend/cases/permissions.py disagree.
"""

from __future__ import annotations

from backend.cases.permissions import matrix_markdown

if __name__ == "__main__":
    print(matrix_markdown())
