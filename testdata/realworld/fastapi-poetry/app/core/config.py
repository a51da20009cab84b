from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Service settings, read from the environment (and .env in development)."""

    model_config = SettingsConfigDict(env_file=".env")

    database_url: str
    jwt_secret: str
    log_level: str = "info"


settings = Settings()
