## API tokens on the profile page, and the REST API's own refusals. English.
## The same keys are in ru/api.ftl.

## Profile: API tokens

tokens-title = API tokens
tokens-intro = A token lets another program (a website form, a telephony system, a script) use the CRM's REST API on your behalf, seeing and changing only what you may. A read-only token cannot change anything.
tokens-empty = You have no API tokens yet.
token-col-name = Name
token-col-scope = Access
token-col-created = Created
token-col-last-used = Last used
token-col-status = Status
token-scope-read = Read only
token-scope-write = Read and write
token-never-used = never
token-revoked-at = Revoked { $when }
token-revoke = Revoke
token-new = New token
token-field-name = Name
token-hint-name = What the token is for, e.g. “website forms”.
token-field-scope = Access
token-create = Create token
token-created-title = Your new token
token-created-hint = Copy it now and keep it safe: it is shown only this once. Programs send it in the header “Authorization: Bearer <token>”.
flash-token-revoked = The token was revoked: requests with it are refused from now on.
error-token-scope = Choose read only or read and write.

## REST API refusals

error-insufficient-scope = This token may only read.
error-rate-limited = Too many requests: wait a little and try again.
error-idempotency-key-reused = This Idempotency-Key was already used for a different request.
error-idempotency-key-in-progress = A request with this Idempotency-Key is still being processed.
error-cursor-invalid = This cursor is not one the API gave out.
## The REST API page (/api/docs). English.
## Every language must have the same set of message ids.

api-docs-title = REST API
api-docs-intro = Programs can read and change the CRM's records over HTTP and JSON. This page is generated from the same OpenAPI document that tools read.
api-docs-document = OpenAPI document (JSON)
api-docs-auth-title = Signing requests
api-docs-auth-text = Every call needs an API token in the Authorization header. An administrator creates one for a user with “crm token create”; it acts with that user's permissions.
api-docs-errors-title = Errors
api-docs-errors-text = A refused call answers with a 4xx status and this body; “code” is for programs, “message” for people, and “fields” names each refused field.
api-docs-legend = A “?” after a field name marks a field that may be left out.
api-docs-contents = Contents
api-docs-token-needed = Needs an API token.
api-docs-no-token = Needs no token.
api-docs-parameters = Parameters
api-docs-param-name = Name
api-docs-param-in = In
api-docs-param-type = Type
api-docs-param-description = Description
api-docs-required = required
api-docs-request = Request body
api-docs-responses = Responses
api-docs-example = Example
profile-api-title = API access
profile-api-text = Integrations use API tokens; what they can do is described on the API page.
profile-api-link = REST API documentation
