"""``get_paginator`` for the local clients, built from botocore's own paginator models.

The pages come from the local client's method, and botocore's ``Paginator`` does the rest
(``PaginationConfig``, ``build_full_result``, ``search``), so code written against a boto3
paginator runs unchanged on the local engines.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.exceptions import OperationNotPageableError
from botocore.paginate import Paginator

from bedrock_local.validation import service_model


@functools.lru_cache(maxsize=8)
def _paginator_model(service: str) -> Any:
    return botocore.session.get_session().get_paginator_model(service)


def _operation_name(service: str, method_name: str) -> str:
    model = service_model(service)
    for name in model.operation_names:
        if xform_name(name) == method_name:
            return name
    raise ValueError(f"{service} has no operation {method_name!r}")


def can_paginate(service: str, method_name: str) -> bool:
    try:
        _paginator_model(service).get_paginator(_operation_name(service, method_name))
    except (ValueError, KeyError):
        return False
    return True


def get_paginator(service: str, method_name: str, method: Callable[..., Any]) -> Paginator:
    """A botocore ``Paginator`` for ``method_name`` that pages through ``method``."""
    operation = _operation_name(service, method_name)
    try:
        config = _paginator_model(service).get_paginator(operation)
    except KeyError:
        raise OperationNotPageableError(operation_name=method_name) from None
    return Paginator(method, config, service_model(service).operation_model(operation))
