"""Helpers the tests share: test data, the workflow harness, servers, clients and row builders."""
