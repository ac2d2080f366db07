"""``input.transcribe``: the composer's dictation, sent to the configured provider's speech-to-text model.

The audio never touches the database or disk: it is decoded, passed to ``/audio/transcriptions`` of the
same OpenAI(-compatible) provider the workflows use, and only the text comes back. With the offline model
there is nothing to transcribe with, which the client learns as a 400 it can show.
"""

from __future__ import annotations

import base64
import binascii

import openai
from chatkit.types import InputTranscribeParams, TranscriptionResult

from chatkit_host.server.errors import BadRequest, UpstreamFailed
from chatkit_host.server.runtime.request import RuntimeRequest

#: File names the provider can infer the container from (it looks at the extension, not the MIME type).
_EXTENSIONS = {
    "audio/webm": "webm",
    "audio/ogg": "ogg",
    "audio/mp4": "mp4",
    "audio/m4a": "m4a",
    "audio/x-m4a": "m4a",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/flac": "flac",
}


async def transcribe(req: RuntimeRequest, params: InputTranscribeParams) -> TranscriptionResult:
    router = req.context.models
    client = router.client if router is not None else None
    if client is None:
        raise BadRequest(
            "Dictation is not available: this server has no model provider configured for transcription.",
            code="transcription_unavailable",
        )
    mime_type = params.mime_type.split(";")[0].strip().lower()
    extension = _EXTENSIONS.get(mime_type)
    if extension is None:
        raise BadRequest(
            f"Unsupported audio type '{params.mime_type}'; send one of: {', '.join(sorted(_EXTENSIONS))}.",
            param="params.mime_type",
            code="unsupported_audio_type",
        )
    try:
        audio = base64.b64decode(params.audio_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest(
            "'audio_base64' is not valid base64.", param="params.audio_base64", code="invalid_audio"
        ) from exc
    if not audio:
        raise BadRequest("The audio is empty.", param="params.audio_base64", code="invalid_audio")
    try:
        result = await client.audio.transcriptions.create(
            model=req.context.settings.transcription_model,
            file=(f"dictation.{extension}", audio, mime_type),
        )
    except openai.APIError as exc:
        raise UpstreamFailed(f"The transcription model failed: {exc.message}", code="transcription_failed") from exc
    return TranscriptionResult(text=result.text.strip())
