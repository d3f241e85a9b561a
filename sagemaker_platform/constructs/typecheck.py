"""Fail at the call, naming the parameter, when a construct gets a value of the wrong kind.

jsii interfaces (``kms.IKey``, ``s3.IBucket`` ...) are not runtime-checkable protocols, and imported resources
(``Key.from_key_arn``) arrive as dynamic proxies, so ``isinstance`` cannot tell. Without this check a bucket passed
as a key fails far from the cause (``this.encryptionKey?.grant is not a function``).
"""

from __future__ import annotations

from typing import Any


def implements(value: Any, interface: type) -> bool:
    """Whether ``value`` (a Python construct, or a proxy jsii made for an imported one) implements ``interface``."""
    delegates = object.__getattribute__(value, "_delegates") if type(value).__name__ == "InterfaceDynamicProxy" else [
        value
    ]
    proxy_of = getattr(interface, "__jsii_proxy_class__", None)
    proxy = proxy_of() if proxy_of is not None else None
    for candidate in delegates:
        for klass in type(candidate).__mro__:
            if klass is interface:
                return True
            for declared in getattr(klass, "__jsii_ifaces__", None) or ():
                if interface in getattr(declared, "__mro__", ()):
                    return True
        if proxy is not None and isinstance(candidate, proxy):
            return True
    return False


def require(owner: str, name: str, value: Any, interface: type) -> Any:
    """``value`` if it implements ``interface``; else a TypeError naming the construct, parameter and type."""
    if not implements(value, interface):
        raise TypeError(f"{owner} {name}: expected {interface.__name__} (got {type(value).__name__})")
    return value
