// Transcript: the readable record of one fuzz session, which is also its replayable file.
//
// The file is text. `config` and `step` lines are the session (props/step.h gives the step
// syntax); every other line is a comment starting with '#': who sent which bytes, what
// came back and what the model expected. `ggs fuzz --replay FILE` and the regression test
// read the config and the steps and ignore the comments, so a file can be edited by hand.
//
//   config clients=4 max_header=1024 max_payload=8192 restarts=1
//   step op=connect client=0
//   step op=hello client=0
//   #   c0 >> "Server-Command: hello\nContent-Length: 0\n\n"
//   #   c0 << hello "<player#0>,false,<table#0>"   expected hello <new player#0>,...
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "props/session_model.h"
#include "props/step.h"

namespace ggs::props {

class Transcript {
 public:
  // Starts the record of step number `index` (from 0).
  void BeginStep(int index, const Step& step);
  // Adds a comment line to the current step (or to the preamble before any step).
  void Note(const std::string& line);
  void Clear();

  // The session file: `header` comment lines, the config, then each step and its notes.
  std::string Text(const ModelConfig& config, const std::vector<std::string>& header) const;

 private:
  struct Entry {
    bool is_step = false;
    std::string text;
  };
  std::vector<Entry> entries_;
};

struct SessionFile {
  ModelConfig config;
  std::vector<Step> steps;
};

std::string ConfigLine(const ModelConfig& config);
// Parses a session file's text. Errors (code "bad_session") name the line.
Result<SessionFile> ParseSessionFile(const std::string& text);
Result<SessionFile> ReadSessionFile(const std::string& path);

}  // namespace ggs::props
