// Test support shared by unit tests and the `generate` subcommand: fakes
// (fault-injecting Env), temporary directories, the synthetic wiki generator.
#pragma once
