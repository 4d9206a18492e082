"""The catalogue as a published legal document: its columns, the rules an entry and a revision
must keep, import and export in the published spreadsheet form, and diffs between versions.

Pure code (no database, no Temporal): the workflow's validators, the activities and the API all
read the same rules from here.
"""
