import HummingbirdBcrypt
import VigieApp

/// bcrypt (hummingbird-auth's HummingbirdBcrypt) behind the console's `PasswordHasher`.
public struct BcryptHasher: PasswordHasher {
    let cost: UInt8
    public let decoy: String

    /// `cost` 12 by default (about a quarter of a second per check on one core).
    public init(cost: UInt8 = 12) {
        self.cost = cost
        decoy = Bcrypt.hash(ConsoleService.randomToken(), cost: cost)
    }

    public func hash(_ password: String) -> String { Bcrypt.hash(password, cost: cost) }

    public func verify(_ password: String, hash: String) -> Bool { Bcrypt.verify(password, hash: hash) }
}
