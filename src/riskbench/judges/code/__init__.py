"""Judges that read the code in a response (insecure-code detection)."""

from riskbench.judges.code.extract import extract_code, guess_language, normalize_language
from riskbench.judges.code.insecure import Finding, InsecureCodeJudge, scan

__all__ = ["Finding", "InsecureCodeJudge", "extract_code", "guess_language",
           "normalize_language", "scan"]
