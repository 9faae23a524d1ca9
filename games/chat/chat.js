// Chat for ggs: one chat room per table, where every player has a nickname. It is the
// example game of the thesis "A Reliable Generic Game Server", written for the GGS API
// (docs/game-api.md).
//
// All state lives in GGS.localStorage (`nick:<id>`), so the game keeps no JavaScript
// globals and needs no restored() hook: a rebuilt VM reads the same nicknames.

var seats = 64;

var MAX_NICK = 24;
var MAX_MESSAGE = 4096;
// C0 and C1 control characters and DEL: they would garble the `notice` lines clients print.
var CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
// Default nicknames name player ids; taking one could collide with a player who joins later.
var GUEST_NICK = /^guest[0-9]+$/;

function defaultNick(id) {
  return 'guest' + id;
}

function nickOf(id) {
  var nick = GGS.localStorage.getItem('nick:' + id);
  return nick === null ? defaultNick(id) : nick;
}

function notice(text) {
  GGS.sendCommandToAll('notice', text);
}

// A game-level rejection is an ordinary message to the one player, not a thrown error.
function invalid(id, reason) {
  GGS.sendCommand(id, 'invalid', reason);
}

// True when a player other than `id` at the table goes by `nick`.
function nickTaken(id, nick) {
  var ids = GGS.players();
  for (var i = 0; i < ids.length; i++) {
    if (ids[i] !== id && nickOf(ids[i]) === nick) return true;
  }
  return false;
}

// Returns why `id` may not be called `nick`, or null when it may.
function nickProblem(id, nick) {
  if (nick.length < 1 || nick.length > MAX_NICK) {
    return 'a nick is 1 to ' + MAX_NICK + ' characters';
  }
  if (CONTROL_CHARACTERS.test(nick)) return 'a nick cannot contain control characters';
  if (GUEST_NICK.test(nick) && nick !== defaultNick(id)) {
    return 'guest<number> nicks are reserved for new players';
  }
  if (nickTaken(id, nick)) return 'the nick ' + nick + ' is taken';
  return null;
}

function changeNick(id, nick) {
  var problem = nickProblem(id, nick);
  if (problem !== null) {
    invalid(id, problem);
    return;
  }
  var old = nickOf(id);
  GGS.localStorage.setItem('nick:' + id, nick);
  notice(old + ' is now ' + nick);
}

function say(id, text) {
  if (text.length < 1 || text.length > MAX_MESSAGE) {
    invalid(id, 'a message is 1 to ' + MAX_MESSAGE + ' characters');
    return;
  }
  GGS.sendCommandToAll('message', nickOf(id) + ': ' + text);
}

// The client commands, as data: name -> handler(id, args).
var COMMANDS = { nick: changeNick, message: say };

function playerCommand(id, command, args) {
  if (!COMMANDS.hasOwnProperty(command)) {
    invalid(id, 'unknown command ' + command);
    return;
  }
  COMMANDS[command](id, args);
}

function playerJoined(id) {
  notice(defaultNick(id) + ' joined');
}

function playerLeft(id) {
  notice(nickOf(id) + ' left');
  GGS.localStorage.removeItem('nick:' + id);
}
