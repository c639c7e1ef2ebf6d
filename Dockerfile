# Builds the carneau binary; used by compose.yaml.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p carneau-api --bin carneau

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/carneau /usr/local/bin/carneau
USER nobody
EXPOSE 8080
ENTRYPOINT ["carneau"]
CMD ["serve"]
