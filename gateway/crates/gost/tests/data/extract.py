#!/usr/bin/env python3
"""Extracts the GOST test fixtures of this folder from the real SMEV envelopes.

Usage: python3 extract.py /path/to/shared/real/smev3sharp

For every ds:Signature in the chosen envelopes it writes
  <name>.signedinfo.xml  SignedInfo in exclusive-c14n form: the re-indent
                         whitespace between its elements removed, empty elements
                         written as start/end tag pairs, and the xmlns:ds
                         declaration of the enclosing ds:Signature moved onto
                         ds:SignedInfo (the only namespace it uses);
  <name>.sig.b64         the SignatureValue text;
and the X509Certificate texts of CERTIFICATES as <name>.b64. All three
signatures are made with the SMEV test signer certificate.
The regular expressions are enough for these fixed files; this is not a
general canonicaliser.
"""
import pathlib
import re
import sys

SOURCES = {
    "send-request-response-smev": ("SendRequestResponce.xml", 0),
    "invalid-content-sender": ("GetResponseResponce_InvalidContent.xml", 0),
    "invalid-content-smev": ("GetResponseResponce_InvalidContent.xml", 1),
}
CERTIFICATES = {
    "smev-test-signer-2020": ("SendRequestResponce.xml", 0),
    "esia-provider-2021": ("GetResponseResponse_ValidResponse.xml", 0),
    "smev-transport-2020": ("GetResponseResponse_ValidResponse.xml", 1),
}
DS = "http://www.w3.org/2000/09/xmldsig#"


def canonical_signed_info(signature: str) -> str:
    info = re.search(r"<ds:SignedInfo>.*?</ds:SignedInfo>", signature, re.S).group(0)
    info = re.sub(r">\s+<", "><", info)
    info = re.sub(r"<(ds:\w+)([^>]*)/>", r"<\1\2></\1>", info)
    return info.replace("<ds:SignedInfo>", f'<ds:SignedInfo xmlns:ds="{DS}">', 1)


def main() -> None:
    real = pathlib.Path(sys.argv[1])
    out = pathlib.Path(__file__).parent
    for name, (file, index) in SOURCES.items():
        text = (real / file).read_text(encoding="utf-8-sig")
        signatures = re.findall(r"<ds:Signature .*?</ds:Signature>", text, re.S)
        signature = signatures[index]
        value = re.search(r"<ds:SignatureValue>(.*?)</", signature, re.S).group(1)
        (out / f"{name}.signedinfo.xml").write_bytes(canonical_signed_info(signature).encode())
        (out / f"{name}.sig.b64").write_text(value.strip())
    for name, (file, index) in CERTIFICATES.items():
        text = (real / file).read_text(encoding="utf-8-sig")
        certs = re.findall(r"<ds:X509Certificate>(.*?)</", text, re.S)
        (out / f"{name}.b64").write_text(certs[index].strip())


if __name__ == "__main__":
    main()
