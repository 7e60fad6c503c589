// AlignedBuffer: an owned, 64-byte aligned array of trivially copyable values
// (cache-line and AVX-512 aligned), zero-initialised, resizable.
#ifndef LITEFORMER_ENGINE_TENSOR_ALIGNED_BUFFER_H_
#define LITEFORMER_ENGINE_TENSOR_ALIGNED_BUFFER_H_

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <type_traits>

namespace liteformer {

template <typename T>
class AlignedBuffer {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  static constexpr std::size_t kAlignment = 64;

  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t size) { Resize(size); }
  AlignedBuffer(const AlignedBuffer& other) { *this = other; }
  AlignedBuffer& operator=(const AlignedBuffer& other) {
    if (this != &other) {
      Resize(other.size_);
      if (size_ > 0) std::memcpy(data_.get(), other.data_.get(), size_ * sizeof(T));
    }
    return *this;
  }
  AlignedBuffer(AlignedBuffer&&) noexcept = default;
  AlignedBuffer& operator=(AlignedBuffer&&) noexcept = default;

  // Discards the contents; the new contents are zero.
  void Resize(std::size_t size) {
    if (size > capacity_) {
      const std::size_t bytes = (size * sizeof(T) + kAlignment - 1) / kAlignment * kAlignment;
      void* raw = std::aligned_alloc(kAlignment, bytes);
      if (raw == nullptr) throw std::bad_alloc();
      data_.reset(static_cast<T*>(raw));
      capacity_ = size;
    }
    size_ = size;
    if (size_ > 0) std::memset(data_.get(), 0, size_ * sizeof(T));
  }

  // Grows (keeping nothing) only when needed: for scratch space reused every step.
  void EnsureSize(std::size_t size) {
    if (size > capacity_) {
      Resize(size);
    } else {
      size_ = size;
    }
  }

  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  std::span<T> span() { return {data_.get(), size_}; }
  std::span<const T> span() const { return {data_.get(), size_}; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }

 private:
  struct FreeDeleter {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T[], FreeDeleter> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TENSOR_ALIGNED_BUFFER_H_
