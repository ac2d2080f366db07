"""``input.transcribe`` (the composer's dictation) through the configured provider's speech-to-text model."""

from __future__ import annotations

import base64

from chatkit.types import TranscriptionResult

from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.runtime import Runtime
from tests.support.servers import MakeServer, RunningServer

AUDIO = b"\x1aE\xdf\xa3 pretend webm/opus frames \x00\x01\x02"


def _provider_server(make_server: MakeServer, fake: FakeOpenAI, **settings: object) -> RunningServer:
    return make_server(openai_base_url=fake.base_url + "/v1", openai_api="chat_completions", **settings)


def test_dictation_is_transcribed_by_the_provider(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    server = _provider_server(make_server, fake_openai, transcription_model="fake-whisper")
    fake_openai.script(Reply(text=" Where is my order A100? "))
    rt = Runtime.for_user(server)
    answer = rt.json(
        "input.transcribe", audio_base64=base64.b64encode(AUDIO).decode(), mime_type="audio/webm;codecs=opus"
    )
    assert TranscriptionResult.model_validate(answer).text == "Where is my order A100?"
    (request,) = fake_openai.requests
    assert request.path == "/v1/audio/transcriptions"
    assert request.body["model"] == "fake-whisper"
    assert request.body["audio"] == AUDIO
    assert request.body["filename"] == "dictation.webm" and request.body["content_type"] == "audio/webm"


def test_bad_audio_is_refused_before_the_provider_is_called(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    rt = Runtime.for_user(_provider_server(make_server, fake_openai))
    not_base64 = rt.error("input.transcribe", 400, audio_base64="not base64!", mime_type="audio/webm")
    assert (not_base64["param"], not_base64["code"]) == ("params.audio_base64", "invalid_audio")
    empty = rt.error("input.transcribe", 400, audio_base64="", mime_type="audio/webm")
    assert empty["code"] == "invalid_audio"
    video = rt.error("input.transcribe", 400, audio_base64="AAAA", mime_type="video/mp4")
    assert (video["param"], video["code"]) == ("params.mime_type", "unsupported_audio_type")
    assert fake_openai.requests == []


def test_a_failing_provider_is_a_502_in_the_error_envelope(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    rt = Runtime.for_user(_provider_server(make_server, fake_openai))
    fake_openai.script(Reply(error_status=400))
    error = rt.error("input.transcribe", 502, audio_base64=base64.b64encode(AUDIO).decode(), mime_type="audio/ogg")
    assert error["type"] == "api_error" and error["code"] == "transcription_failed"
    assert "scripted failure" in error["message"]
