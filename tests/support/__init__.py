"""What several test modules share: paths, input builders, the CLI runner and the mini-knowledgebase builders.

Test modules import from here, never from one another (tests/test_test_imports.py checks it); conftest.py holds
only fixtures.
"""
