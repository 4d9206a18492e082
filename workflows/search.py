"""Search attributes: how cases are found in Temporal (`temporal workflow list --query
"CaseStatus='approved'"`). No personal data in any of them: a status, department names, matter
codes, a time, a flag."""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode

CASE_STATUS = SearchAttributeKey.for_keyword("CaseStatus")
DEPARTMENTS = SearchAttributeKey.for_keyword_list("Departments")
MATTER_CODES = SearchAttributeKey.for_keyword_list("MatterCodes")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
"""The case's next deadline; once none is left, the last one stays (never unset: the test server
keeps an unset datetime as null and then cannot describe the workflow). Query it with CaseStatus."""
ESCALATED = SearchAttributeKey.for_bool("Escalated")

KEYS = (CASE_STATUS, DEPARTMENTS, MATTER_CODES, NEXT_DEADLINE, ESCALATED)
# how the Temporal CLI names their types (`temporal server start-dev --search-attribute Name=Type`)
CLI_TYPES = {
    CASE_STATUS: "Keyword",
    DEPARTMENTS: "KeywordList",
    MATTER_CODES: "KeywordList",
    NEXT_DEADLINE: "Datetime",
    ESCALATED: "Bool",
}


INDEXED = {
    "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "KeywordList": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
    "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    "Bool": IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
}


def cli_flags() -> list[str]:
    """The dev server's flags registering every attribute."""
    return [arg for key in KEYS for arg in ("--search-attribute", f"{key.name}={CLI_TYPES[key]}")]


async def register(client: Client, namespace: str) -> None:
    """Register every attribute the server does not know yet (the worker does it at start; the
    time-skipping test server has no listing, so each is added alone and "exists" is fine)."""
    for key in KEYS:
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(namespace=namespace, search_attributes={key.name: INDEXED[CLI_TYPES[key]]})
            )
        except RPCError as err:
            if err.status != RPCStatusCode.ALREADY_EXISTS:
                raise
