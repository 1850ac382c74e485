// A shared library that is not a plugin library: no entry point.
extern "C" int switchboard_something_else() {
  return 42;
}
