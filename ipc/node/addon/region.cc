// The native part of the Node ring: only what JavaScript cannot do. It makes memory files, maps them as one external
// ArrayBuffer per mapping (no copies; the rings read and write it from JavaScript with Atomics), locks files, and
// creates socket pairs for doorbells. Everything about the layout lives in the TypeScript half (src/).

#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

Napi::Error SystemError(Napi::Env env, const std::string& what, int err) {
  Napi::Error e = Napi::Error::New(env, what + ": " + std::strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}

struct Mapping {
  void* base;
  size_t size;
};

void ReleaseMapping(Napi::Env /*env*/, void* /*data*/, Mapping* mapping) {
  munmap(mapping->base, mapping->size);
  delete mapping;
}

// memfdCreate(name): an anonymous memory file, close-on-exec (the spawner passes it explicitly).
Napi::Value MemfdCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  int fd = memfd_create(name.c_str(), MFD_CLOEXEC);
  if (fd < 0) throw SystemError(env, "memfd_create", errno);
  return Napi::Number::New(env, fd);
}

// map(fd): maps the whole file shared and returns it as one ArrayBuffer, unmapped when the buffer is collected or
// detached by unmap().
Napi::Value Map(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct stat st;
  if (fstat(fd, &st) != 0) throw SystemError(env, "fstat", errno);
  size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) throw Napi::Error::New(env, "cannot map an empty file");
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) throw SystemError(env, "mmap", errno);
  auto* mapping = new Mapping{base, size};
  return Napi::ArrayBuffer::New(env, base, size, ReleaseMapping, mapping);
}

// unmap(buffer): detaches the ArrayBuffer, so that no view can touch the memory again, which runs the finalizer.
Napi::Value Unmap(const Napi::CallbackInfo& info) {
  Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
  if (!buffer.IsDetached()) buffer.Detach();
  return info.Env().Undefined();
}

// flock(fd, nonblocking): an exclusive lock; false when another holder has it and nonblocking was asked.
Napi::Value Flock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  bool nonblocking = info[1].ToBoolean();
  if (flock(fd, LOCK_EX | (nonblocking ? LOCK_NB : 0)) == 0) return Napi::Boolean::New(env, true);
  if (errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
  throw SystemError(env, "flock", errno);
}

// socketPair(): two connected Unix stream sockets, close-on-exec, for an in-process doorbell.
Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw SystemError(env, "socketpair", errno);
  Napi::Array pair = Napi::Array::New(env, 2);
  pair.Set(0u, Napi::Number::New(env, fds[0]));
  pair.Set(1u, Napi::Number::New(env, fds[1]));
  return pair;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("memfdCreate", Napi::Function::New(env, MemfdCreate));
  exports.Set("map", Napi::Function::New(env, Map));
  exports.Set("unmap", Napi::Function::New(env, Unmap));
  exports.Set("flock", Napi::Function::New(env, Flock));
  exports.Set("socketPair", Napi::Function::New(env, SocketPair));
  return exports;
}

}  // namespace

NODE_API_MODULE(tandem_ipc, Init)
