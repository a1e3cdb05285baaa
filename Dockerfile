# One image for every process: the API (default command), the workers, beat and Flower (see docker-compose.yml).
FROM python:3.11-slim

# APP_ENV is stated, not left to the default: production refuses development keys and stand-ins.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 APP_ENV=production DATA_DIR=/data
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --create-home --uid 1000 songcraft && mkdir -p /data && chown songcraft /data
USER songcraft

EXPOSE 8000
# gunicorn.conf.py: bind 0.0.0.0:$PORT (8000), WEB_CONCURRENCY workers, request-line and header limits.
CMD ["sh", "-c", "flask --app wsgi db upgrade && exec gunicorn --config gunicorn.conf.py wsgi:app"]
