# smile-sec as a container image: a static musl binary on a distroless base, run as a non-root user.
#   docker build -t smile-sec .
#   docker run --rm -v "$PWD:/data" -w /data smile-sec audit --keys smile-keys.json
# Pin the two base images by digest (`image@sha256:...`) in your own builds, for the same reason the
# GitHub action is pinned by commit: a tag can be moved to other content.

# Build: Alpine's Rust is a musl toolchain, so the binary is linked statically.
FROM rust:1.95-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
# The manifest and the lock first, so that the dependencies' layer is reused while only src/ changes.
COPY Cargo.toml Cargo.lock ./
COPY benches benches
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo fetch --locked \
    && rm -rf src
COPY src src
RUN CARGO_PROFILE_RELEASE_STRIP=true cargo build --release --locked --bin smile-sec \
    && ! ldd target/release/smile-sec 2>/dev/null | grep -q '=>'

# Run: nothing but the binary, the system's CA certificates (a rediss:// replay store's
# certificate is checked against them) and a passwd entry for the `nonroot` user (uid 65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/target/release/smile-sec /usr/local/bin/smile-sec
COPY completions /usr/local/share/smile-sec/completions
COPY man /usr/local/share/man/man1
USER nonroot:nonroot
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/smile-sec"]
CMD ["--help"]
