# liteformer-server image: docker build -t liteformer .
#
# Build stage: the README's set-up script (scripts/install-deps.sh), limited
# to the toolchain and C++ libraries (--build-only: no PyTorch, Python or test
# packages), and a CMake build of the deployable targets. Nothing is
# downloaded besides Debian packages through apt.
FROM debian:bookworm AS build
WORKDIR /src
# The script alone first, so that its (large) package layer is cached across
# source changes; then the repository.
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh --build-only
COPY . .
# x86-64-v3 (AVX2/FMA): portable across the x86-64 nodes an image may land on;
# the AVX-512 GEMV still checks the CPU at run time.
RUN cmake -S . -B /build -G Ninja \
      -DCMAKE_BUILD_TYPE=Release \
      -DLITEFORMER_MARCH=x86-64-v3 \
      -DLITEFORMER_BUILD_TESTS=OFF \
      -DLITEFORMER_BUILD_BENCH=OFF \
 && cmake --build /build --target liteformer-server liteformer-client liteformer-load liteformer_spm

# Runtime stage: bookworm-slim plus the shared libraries the binaries and the
# sentencepiece shim link (ldd build/bin/* build/lib/libliteformer_spm.so,
# mapped to packages with dpkg -S; tests/python/test_deploy_manifests.py
# checks this list against ldd). libc6, libstdc++6 and libgcc-s1 are in the base.
# The package lists and the downloaded .debs are deleted in the same layer, or
# the image keeps them (~90 MB on a base without Docker's apt clean-up hook).
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libabsl20220623 \
      libc-ares2 \
      libcivetweb1 \
      libdnnl2 \
      libfmt9 \
      libgomp1 \
      libgrpc++1.51 \
      libgrpc29 \
      libprometheus-cpp-core1.0 \
      libprometheus-cpp-pull1.0 \
      libprotobuf32 \
      libre2-9 \
      libsentencepiece0 \
      libspdlog1.10 \
      libssl3 \
      ocl-icd-libopencl1 \
      zlib1g \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb

RUN groupadd --system --gid 10001 liteformer \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin liteformer

# The shim is found at <executable>/../lib/libliteformer_spm.so
# (engine/text/sentencepiece_tokenizer.cc).
COPY --from=build /build/bin/liteformer-server /build/bin/liteformer-client /build/bin/liteformer-load \
     /opt/liteformer/bin/
COPY --from=build /build/lib/libliteformer_spm.so /opt/liteformer/lib/
COPY models/ /opt/liteformer/models/
COPY deploy/k8s/server.pbtxt /etc/liteformer/server.pbtxt

ENV PATH=/opt/liteformer/bin:$PATH
# The server writes the address it bound (--listen, the config or the default)
# to this file, and liteformer-client without --target dials it: so the
# HEALTHCHECK below follows whatever address the server was told to use.
# /tmp is writable also with a read-only root (compose's tmpfs, the pod's emptyDir).
ENV LITEFORMER_ADDRESS_FILE=/tmp/liteformer.address
# models_dir "models" in the config resolves against the working directory.
WORKDIR /opt/liteformer
USER 10001:10001

# gRPC (listen) and Prometheus /metrics (metrics_listen) of deploy/k8s/server.pbtxt.
EXPOSE 50051 9090

# SIGTERM drains: health NOT_SERVING, new calls UNAVAILABLE, running work
# finishes within drain_grace_seconds (20), then exit 0. Give `docker stop`
# more than that: docker stop -t 30 (deploy/docker-compose.yaml does).
STOPSIGNAL SIGTERM

# grpc.health.v1 service "" at the address in $LITEFORMER_ADDRESS_FILE: exit 0
# only when SERVING (a missing file, before the models have loaded or after the
# drain, is unhealthy). The start period covers model loading.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["liteformer-client", "health", "--deadline=2"]

ENTRYPOINT ["liteformer-server"]
CMD ["--config=/etc/liteformer/server.pbtxt"]
