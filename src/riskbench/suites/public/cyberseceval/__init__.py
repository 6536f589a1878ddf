"""Meta PurpleLlama CyberSecEval as suite formats, one loader per test:

- `cyberseceval-frr`: MITRE false-refusal prompts (benign, must be answered);
- `cyberseceval-instruct`, `cyberseceval-autocomplete`: benign coding tasks whose answers
  are scanned for insecure code (Bhatt et al. 2023, "Purple Llama CyberSecEval");
- `cyberseceval-interpreter`: requests to abuse a code interpreter, five attack types;
- `cyberseceval-prompt-injection`: a system prompt, an injected user turn and a judge
  question per case (Wan et al. 2024, "CyberSecEval 2").

Errors name the record as `FILE: item N` (counting from 1) and the field.
"""

from riskbench.suites.public.cyberseceval import (  # noqa: F401  (importing registers)
    code,
    frr,
    interpreter,
    prompt_injection,
)
