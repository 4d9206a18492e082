"""Audit of the cases' Temporal histories (issue 17), for auditors and before every deploy.

    chengnuo audit export --out DIR [--case ID … | --query Q | --all]   # one JSON file per case + manifest.json
    chengnuo audit verify DIR                                          # the manifest still holds
    chengnuo audit replay DIR [--processes N] | --server …             # every history on today's code
    chengnuo audit timeline FILE | --server ID                         # the case's timeline in plain Chinese

An exported history is the JSON `temporal workflow show --output json` writes, its payloads as
Temporal stores them (AES-GCM encrypted: the export holds no personal data in clear); reading
them needs the payload keys (PAYLOAD_KEYS / PAYLOAD_KEY_FILE), as the worker does.
"""
