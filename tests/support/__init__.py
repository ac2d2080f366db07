"""Helpers the tests share, shelved like code: no tests here, and no test module is imported by another.

``services`` (the test key, PostgreSQL/Redis, CI), ``servers`` (the app on loopback), ``fake_openai``,
``seed``, ``spec`` (contract checks), ``runtime`` (the ``POST /chatkit`` client), ``workflows``, ``sdk``,
``cli``, ``storage``. ``tests/conftest.py`` turns the ones tests need into fixtures.
"""
