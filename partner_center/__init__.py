"""Huawei Cloud Partner Center: API client and signing (the local sandbox, top-level `sandbox/`, shares only
the signature verifier and the demo credentials). Imports no other package of ours."""
