from riskbench.attacks.base import attack
from riskbench.types import Conversation


@attack("direct", family="none", modalities=("text", "image_prompt", "agent"),
        source="baseline")
def direct(item, rng):
    """The item's prompt sent as written: the baseline every attack is compared with."""
    return Conversation.user(item.prompt)
