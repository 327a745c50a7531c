"""Huawei Cloud Partner Center: API client, signing, and a local sandbox. Imports no other package of ours."""
