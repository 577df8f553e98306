"""A local stand-in for the Booking.com Connectivity API. Imports nothing from channel_manager.

It is "the other side of the wire" (BOOKING_CONNECTIVITY.md is its spec): one Starlette app
serves what supply-xml, secure-supply-xml, connectivity-authentication, the Extranet and an
OAuth 2.0 authorisation server would, so one base URL stands in for every host.

Use it from Python::

    from booking_sandbox.server import SandboxServer
    with SandboxServer(seed=1) as sandbox:   # 127.0.0.1, free port, background thread
        sandbox.base_url; sandbox.state; sandbox.faults

or run it: ``python -m booking_sandbox --host 127.0.0.1 --port 8900 --seed 1``.

The state lives in memory unless ``SandboxConfig(state_path=...)`` (``--state FILE``) names a
JSON file: then a restart goes on where the sandbox stopped (booking_sandbox.persistence).

Seeded world (``SandboxState.seeded(seed)``): 4 hotels 1000001-1000004 (EUR, GBP, JPY, USD;
the first two connected to the provider), 3-20 rooms and 1-4 rate plans each, 120 days of ARI,
3 unacknowledged bookings per hotel, and one Airbnb-style iCal listing 7100001 (feed
``/ical/7100001.ics``: two stays and a block in the coming weeks). Default machine account and
OAuth client: ``sandbox-client`` / ``sandbox-secret`` (legacy Basic: ``sandbox-user`` /
``sandbox-password``, off unless ``SandboxConfig(allow_basic_auth=True)``).

| method | path | what |
| --- | --- | --- |
| POST | /token-based-authentication/exchange | {client_id, client_secret} -> {jwt, ruid} (1) |
| GET, POST | /oauth2/authorize | consent page (PKCE S256); POST decision=approve/deny, hotel_id |
| POST | /oauth2/token | form: authorization_code (+code_verifier) or refresh_token (rotating) |
| POST | /oauth2/revoke | form: token (access or refresh) |
| GET, POST | /extranet/connect | request a connection, 302 to return_url?hotel_id=&outcome= |
| GET | /connections-api/requests | pending connection requests (JSON envelope) |
| POST | /connections-api/requests/{hotel_id}/accept, .../reject | decide a pending request |
| GET | /connections-api/properties/{hotel_id}/status | data.status, data.connected_at |
| POST | /connections-api/properties/{hotel_id}/deactivate | end a connection |
| POST | /hotels/ota/OTA_HotelSearch | caller's properties, Pagination[@Page @PageSize] |
| POST | /hotels/xml/roomrates | B.XML rooms and rate plans of hotel_id |
| POST | /hotels/xml/roomrateavailability | B.XML ARI read-back (hotel_id, start_date, end_date) |
| GET, POST | /hotels/ota/OTA_HotelResNotif | new bookings (hotel_ids, id, limit) / acknowledge |
| GET, POST | /hotels/ota/OTA_HotelResModifyNotif | modifications and cancellations / acknowledge |
| POST | /hotels/ota/OTA_HotelAvailNotif | availability, LOS, open/close (one hotel, one month) |
| POST | /hotels/ota/OTA_HotelRateAmountNotif | prices (integer amounts + DecimalPlaces) |
| GET, POST, DELETE | /_sandbox/faults | fault rules (see booking_sandbox.faults) |
| GET, DELETE | /_sandbox/requests | recorded requests (?path=), secrets masked |
| GET | /_sandbox/reservations | every reservation (JSON) |
| POST | /_sandbox/reservations/generate | {kind: new/modify/cancel, hotel_code?, reservation_id?} |
| POST, DELETE | /_sandbox/push-target | {url, username, password} for push mode |
| POST | /_sandbox/push | {kind, reservation_id?}: push now, answers after the first attempt |
| GET | /_sandbox/push-log | every push attempt |
| GET | /_sandbox/ari/{hotel_code}?from=&to= | ARI per room/rate/date as JSON |
| GET | /_sandbox/hotels | hotels, rooms, rate plans, connection status |
| POST | /_sandbox/clock | {seconds}: move the sandbox clock forward (token expiry) |
| GET | /_sandbox/health | {"status": "ok"} |
| GET | /ical/{listing_id}.ics | a listing's iCal feed in Airbnb, Vrbo or Booking.com style (2) |
| GET, POST | /_sandbox/ical/listings | listings / {style, name}: a new listing and its feed_url |
| GET, POST | /_sandbox/ical/listings/{id}/events | events / {kind, start, end, guest_name?} |
| PATCH, DELETE | /_sandbox/ical/listings/{id}/events/{event_id} | {start, end} / remove |
| GET, POST, DELETE | /_sandbox/ical/listings/{id}/faults | feed faults {kind, times?, seconds?} |
| GET, POST, DELETE | /_sandbox/ical/listings/{id}/imports | the feed it imports: {url} |
| POST | /_sandbox/ical/listings/{id}/imports/fetch | fetch it now, like Airbnb: busy ranges |

(1) 401 for bad credentials; 429 with `{"errors": [{"code": "TOO_MANY_TOKENS"}]}` for the
31st token within an hour for one client id (`SandboxConfig.tokens_per_hour`).
(2) booking_sandbox.ical, booking_sandbox.routes.ical and .ical_imports; the controls answer
under ``/sandbox/ical/...`` too.

API paths need ``Authorization: Bearer`` (machine JWT or OAuth access token); errors come in
the family's shape: OTA ``<Errors>`` for /hotels/ota, ``<errors><error code>`` for /hotels/xml,
the JSON envelope for /connections-api. Every XML response ends with ``<!-- RUID: [...] -->``.
"""
