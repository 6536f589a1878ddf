"""Self-contained HTML: inline CSS and SVG, no scripts, every model output escaped
(Jinja2 autoescape; a Content-Security-Policy forbids scripts even if one slipped by)."""

from __future__ import annotations

from typing import Any

from riskbench.report import images, svg
from riskbench.report.templating import environment

_env = environment("riskbench.report")


def render(content: dict[str, Any]) -> str:
    config = content["run"]["config"]
    temperature = config["temperature"]
    if temperature is None:
        temperature = 0.0 if config["k"] == 1 else 0.7
    chart = svg.bar(content["tables"]["category"], "safety_rate", "Safety rate by category")
    # pixels only in the restricted tier, read and checked for a PNG when rendering
    image_src: dict[str, str] = {}
    if content["tier"] == "restricted":
        for entry in (im for examples in content["examples"].values() for e in examples
                      for im in e.get("images", ())):
            if entry["state"] == "available" and entry["sha256"] not in image_src:
                url = images.data_url(entry["sha256"])
                if url:
                    image_src[entry["sha256"]] = url
    return _env.get_template("run.html.j2").render(
        **content, chart=chart, temperature=temperature, image_src=image_src,
        image_note=images.note,
    )
