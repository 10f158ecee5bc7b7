"""Custom actions of the city-management assistant (rasa-sdk); a thin HTTP client of the service API."""
