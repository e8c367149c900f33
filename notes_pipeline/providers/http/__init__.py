"""The one HTTP policy every provider call goes through, one concern per module.

errors (HttpError and its kinds, redaction) → breaker (per-provider circuit breaker) → ssrf (UrlGuard for
URLs from outside) → retry (reading a failed attempt) → client (HttpClient, the loop) → download
(safe_fetch/safe_download of untrusted URLs). Import names from the module that defines them.
"""
