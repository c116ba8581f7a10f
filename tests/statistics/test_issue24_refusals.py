"""Issue 24's "silently wrong" statistics and ``save_*`` cases, as the audit found them
(2026-12-05): unreachable NPS cut-offs, overflowing weights, answers beyond float range, a
one-respondent wave under every lonely-PSU rule, Windows device names, lock files left beside a
manifest. Each failed before its fix.
"""

from __future__ import annotations


