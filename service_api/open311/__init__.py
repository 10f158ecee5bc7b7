"""Open311 GeoReport v2 under /open311/v2/: partner systems and civic-tech clients file and read reports.

Each Open311 service request is one report: `service_request_id` is the report's tracking number
(R20261124000017); the platform case it joined, and whether it was merged as a duplicate, are in
`extended_attributes` (`extensions=true`). Reports filed here go through the same intake as every channel.
"""
