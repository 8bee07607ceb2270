import GRDB
import VigieCore
