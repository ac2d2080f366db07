"""Helpers the tests share, shelved like code: no tests here, and no test module is imported by another.

``services`` (the test key, PostgreSQL/Redis, CI), ``servers`` (the app on loopback), ``fake_openai``,
``seed``, ``runtime`` (the ``POST /chatkit`` client), ``workflows``, ``sdk``, ``cli``, ``storage``,
``spec`` and ``openai_shapes`` (the contract checks), ``exports`` (Agent Builder-shaped exports) and
``reference`` (the optional ``../shared``). ``tests/conftest.py`` turns the ones tests need into fixtures;
``tests/test_layout.py`` keeps any file from importing a test module or a conftest.
"""
