"""The stack's data key (the `DataKeyStore`) as an SSM SecureString: free, under the AWS managed
key `aws/ssm`, and made by the functions themselves, so no admin ever types a secret.

Its value is the key's 32 bytes in base64. It is read through powertools' `SSMProvider`
(decrypted, cached for 5 minutes), and made with `PutParameter(Type="SecureString",
Overwrite=False)`: a create-only write, so when two functions race to make it SSM keeps the first
and answers `ParameterAlreadyExists` to the other, which then reads the first one's.
"""

import base64
import binascii
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SSMProvider

DESCRIPTION = (
    "Chatdeck: the data key that seals connected X accounts' tokens, made by the functions on "
    "first use. Changing or deleting it makes every stored token unreadable."
)
MAX_AGE_SECONDS = 300


class SsmDataKeyStore:
    def __init__(self, client: Callable[[], Any], name: str) -> None:
        self._client = client  # built on first use: reading who is connected needs no key
        self.name = name

    def __repr__(self) -> str:
        return f"SsmDataKeyStore({self.name!r})"

    @cached_property
    def _provider(self) -> "SSMProvider":
        from aws_lambda_powertools.utilities.parameters import SSMProvider

        return SSMProvider(boto3_client=self._client())

    def read(self) -> bytes | None:
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            value = self._provider.get(self.name, max_age=MAX_AGE_SECONDS, decrypt=True)
        except GetParameterError as error:
            # powertools wraps every SDK error in GetParameterError; only "there is none yet"
            # means the key is to be made. Anything else (access denied, throttling) is raised.
            if _not_found(error.__cause__ or error.__context__):
                return None
            raise
        return _decoded(str(value), self.name)

    def create(self, key: bytes) -> bool:
        try:
            self._client().put_parameter(
                Name=self.name,
                Value=base64.b64encode(key).decode(),
                Type="SecureString",  # under aws/ssm, the AWS managed key: no monthly fee
                Overwrite=False,  # create-only: an existing key is never replaced
                Description=DESCRIPTION,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ParameterAlreadyExists":
                return False
            raise
        return True


def _not_found(error: BaseException | None) -> bool:
    return (
        isinstance(error, ClientError)
        and error.response.get("Error", {}).get("Code") == "ParameterNotFound"
    )


def _decoded(value: str, name: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        # Never the value itself: it is (meant to be) a secret.
        raise ValueError(f"the SSM parameter {name} does not hold a data key in base64") from None
