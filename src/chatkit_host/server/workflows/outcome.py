"""How the end of a run reads to the user: an export's answer, a guardrail's message, a provider's refusal.

Split from the engine (``engine.py``), which decides when these apply; here is only what they say.
"""

from __future__ import annotations

from typing import Any

from agents import InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered

from chatkit_host.server.workflows.run_context import RunScope

GUARDRAIL_FALLBACK = "Sorry, I can't help with that."
#: What a tripped guardrail raises out of either kind of run (the Runner's, or an export's ``run_workflow``).
GUARDRAIL_TRIPPED = (InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered)


def export_answer(result: Any) -> str | None:
    """The answer an export's ``run_workflow`` returned, or None when it returned none.

    Agent Builder's End node returns ``{"output_text": ...}``; a workflow without one returns nothing, and a
    classify-and-route fallback returns a dict of its own (``{"category": ...}``): neither is an answer. A
    plain string (hand-edited exports) is one; so is any other value, as its text. An empty text is none.
    """
    if isinstance(result, dict):
        result = result.get("output_text")
    if result is None:
        return None
    text = str(result)
    return text if text.strip() else None


def refused_attachments(exc: Exception, scope: RunScope) -> str | None:
    """The in-band error for a provider that rejected a request carrying images or files (a model that does
    not read them answers 400): the user learns why, rather than a generic failure or a silent drop."""
    parts = scope.attachment_parts
    if parts is None or parts.binary_sent == 0 or getattr(exc, "status_code", None) != 400:
        return None
    return (
        "The model did not accept this message's attachments (images or files): it may not read them. "
        "Try a model that does, or send the content as text."
    )


def guardrail_message(exc: InputGuardrailTripwireTriggered | OutputGuardrailTripwireTriggered) -> str:
    info = exc.guardrail_result.output.output_info
    if isinstance(info, dict) and isinstance(info.get("message"), str):
        return str(info["message"])
    if isinstance(info, str) and info:
        return info
    return GUARDRAIL_FALLBACK
