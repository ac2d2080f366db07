"""Applying a user's answers to a pending structured-input item (``threads.add_structured_input``)."""

from __future__ import annotations

from chatkit.types import (
    StructuredInputAnswer,
    StructuredInputItem,
    StructuredInputMultipleChoice,
    StructuredInputSubmission,
)


def apply_submission(item: StructuredInputItem, submission: StructuredInputSubmission) -> StructuredInputItem:
    """A copy of ``item`` with every question answered or marked skipped; unknown question ids are ignored."""
    answered = item.model_copy(deep=True)
    for question in answered.inputs:
        answer = submission.answers.get(question.id)
        if submission.status == "skipped" or answer is None or answer.skipped or not answer.values:
            question.answer = StructuredInputAnswer(skipped=True)
            continue
        values = answer.values
        if isinstance(question, StructuredInputMultipleChoice):
            allowed = {option.value for option in question.options}
            values = [v for v in values if v in allowed]
            if not question.multiple:
                values = values[:1]
        question.answer = StructuredInputAnswer(values=values) if values else StructuredInputAnswer(skipped=True)
    answered.status = submission.status
    return answered
